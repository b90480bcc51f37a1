"""Only the optional C scanner lives here; everything else is in pyproject.toml.

`optional=True`: where it cannot be compiled, sfprep installs without it and the numpy
scanner runs instead (same results, slower)."""
from setuptools import Extension, setup

setup(ext_modules=[Extension("sfprep._scan", ["sfprep/_scan.c"], optional=True,
                             extra_compile_args=["-O3"])])
