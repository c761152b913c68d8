"""python -m searchd"""

from .cli import main

main(prog_name="searchd")
