"""Reading and writing files: what a file is (sniff; magic, the formats that are not text),
the UTF-8 text pass (utf8), regular files only, through links (files), atomic writes (atomic); the CSV scanner, frames and writer (csv/);
the XML reader and writer (xml/)."""
