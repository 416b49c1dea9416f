from tickwork.cli.main import main

main()
