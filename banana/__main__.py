from banana.cli import main

main(prog_name="banana")
