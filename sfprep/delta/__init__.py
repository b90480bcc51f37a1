"""`sfprep delta` (issue 14): the upsert and delete files that turn one snapshot into the
next, split like `split`."""
