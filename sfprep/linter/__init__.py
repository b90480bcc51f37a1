"""The lint engine: files found (discovery), each resolved to a job and rules (targets),
linted one at a time (engine, with its context and value stage) or many in parallel
(runner). Rules are declared in rules/, one module per family (registry, checks, docs)."""
