"""One module per figure: rendering from NetCDF summaries only (never simulation)."""
