"""Reading and writing files: what a file is (sniff), the UTF-8 text pass (utf8), regular
files only (files), atomic writes (atomic); the CSV scanner, frames and writer (csv/);
the XML reader and writer (xml/)."""
