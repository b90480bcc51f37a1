"""Planning over whole files in bounded memory: how records pack into batches (batches),
the first occurrence of every key (keys). Shared by L007, V015, split and delta."""
