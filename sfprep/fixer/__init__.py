"""`sfprep fix`: choose the fixes (choose), apply byte edits (apply) or whole-file rewrites
(rewrites), re-lint until nothing is left (converge), over many files (run); for
`--interactive`, what one fix would change (preview) and a chosen set written at once (subset)."""
