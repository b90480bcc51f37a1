"""`sfprep fix`: choose the fixes (choose), none but the re-encode on a file that is not
UTF-8 (guard), apply byte edits (apply) or whole-file rewrites (rewrites), re-lint until
nothing is left (converge), over many files (run); for `--interactive`, what one fix would
change (preview) and a chosen set written at once (subset)."""
