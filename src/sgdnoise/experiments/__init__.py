"""One module per reproduced figure: the stage functions its Snakemake rules call."""
