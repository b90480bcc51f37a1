"""`sfprep split` (issue 13): a clean file cut into upload-ready batches by the profile's
limits (plan/ packs them), written atomically with DIR/manifest.json."""
