from sfprep.cli import run

run()
