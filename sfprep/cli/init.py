"""`sfprep init`: a commented starter sfprep.toml."""
from __future__ import annotations

from pathlib import Path

import click

from sfprep.cli.app import main

STARTER_CONFIG = '''\
# sfprep configuration (README.md "Configuration" explains each key). Every key is optional.

# Limit profile: bulk1 (Bulk API 1.0, the default) or bulk2 (Bulk API 2.0 ingest jobs).
# profile = "bulk1"

# Rules, by code or prefix: "Q", "V0", "L004", or "ALL".
# select = ["ALL"]
# ignore = ["V004"]
# extend-select = []

# Files and folders to leave out (globs, relative to this file).
# exclude = ["archive/**"]

# Describe JSON file, or a folder of <Object>.json files.
# describe = "describe/"

# The job every file is for; it beats the file name (Account.csv, Contact.upsert.csv),
# and the command line beats it.
# object = "Account"
# operation = "insert"
# external-id = "External_Id__c"

# Job settings for some files only.
# [jobs."contacts/*.csv"]
# object = "Contact"
# operation = "upsert"
# external-id = "External_Id__c"

# [per-file-ignores]
# "legacy/*.csv" = ["V001"]

# Limits that differ from the profile's.
# [limits]
# records_per_batch = 5000
'''


@main.command()
@click.option("--force", is_flag=True, help="Overwrite an existing sfprep.toml.")
def init(force: bool) -> None:
    """Write a commented starter sfprep.toml."""
    from sfprep.core.model import UsageError

    target = Path("sfprep.toml")
    if target.exists() and not force:
        raise UsageError("sfprep.toml exists already (use --force to overwrite)")
    target.write_text(STARTER_CONFIG, encoding="utf-8")
    click.echo("wrote sfprep.toml")
