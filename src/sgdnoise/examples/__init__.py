"""Scripts showing the library used directly, without Snakemake: `python -m sgdnoise.examples.<name>`."""
