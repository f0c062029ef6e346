"""Theory of the two papers, one module per paper section."""
