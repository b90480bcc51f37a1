from sfprep.cli import main

main()
