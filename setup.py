"""Only the optional C extensions live here; everything else is in pyproject.toml.

`optional=True`: where they cannot be compiled, sfprep installs without them and numpy
(the scanner, the field facts) and polars' CSV reader (the value frames) do the work
instead: same results, slower."""
from setuptools import Extension, setup

setup(ext_modules=[Extension(name, [source], optional=True, extra_compile_args=["-O3"])
                   for name, source in (("sfprep.native._scan", "sfprep/native/_scan.c"),
                                        ("sfprep.native._columns", "sfprep/native/_columns.c"),
                                        ("sfprep.native._fields", "sfprep/native/_fields.c"),
                                        ("sfprep.native._records", "sfprep/native/_records.c"))])
