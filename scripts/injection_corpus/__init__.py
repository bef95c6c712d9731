"""Parts of the generated injection corpus; see scripts/build_injection_corpus.py."""
