"""WPT's cookie tests as the oracle's conformance suite: cases.json (the extracted cases, each with its repository,
commit, file and line), extract.py and run_scripts.mjs (which wrote it from WPT's own files), and conformance.py
(each case on the one browser model, and the short list of WPT expectations the specification contradicts)."""
