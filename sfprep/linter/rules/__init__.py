"""The rule families, one module (or package) each, named after RULES.md: file (F),
quoting (Q), header (H), values (V), operation (O), limits (L)."""
