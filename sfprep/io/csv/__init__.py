"""CSV: the streaming scanner (scan: chunks of whole records as byte spans; numpy_pass, the
fallback for the C pass), per-field value facts from those spans (fields), the value frames
polars checks (frame), and the writer."""
