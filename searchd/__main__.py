"""python -m searchd"""

from .cli import run

run()
