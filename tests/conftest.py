import os

# One BLAS thread, as inside jobs (the machine has 2 cores); OPENBLAS_CORETYPE is left as the machine sets it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
