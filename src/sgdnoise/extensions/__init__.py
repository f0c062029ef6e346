"""Beyond both papers: the questions Gross et al. 2024 and Corlouer et al. 2026 leave open, answered with the same
engine, run catalogue and claims (rows of kind `extension`: a hypothesis, a measured value with its standard error, a
verdict). One module (or subpackage) per question; rules in workflow/rules/extensions/, figures
results/figures/extensions_*.{png,pdf}, and `./reproduce extensions` builds them alone."""
