"""What sfprep knows of Salesforce itself: describe JSON (describe), what a header column
names (columns), record Ids and their checksum (ids)."""
