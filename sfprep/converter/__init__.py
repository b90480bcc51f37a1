"""`sfprep convert` (issue 12): CSV to Bulk XML and back, losslessly, streaming."""
