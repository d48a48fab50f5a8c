"""Course tooling: build the notebooks, make the student release, grade a class.

Command line::

    python -m course build                      # notebooks/src/*.py -> notebooks/*.ipynb
    python -m course release --out DIR          # student versions of every notebook
    python -m course bundle [--out DIR]         # what a student receives: DIR/brain-models{/,.zip}
    python -m course collect LMS_DOWNLOAD --out SUBMISSIONS   # LMS zip -> <student>/<nb>.ipynb
    python -m course grade SUBMISSIONS --out grades.csv       # + grades.log, feedback/
    python -m course written SUBMISSIONS --out written/        # a page per "Think!" question + points.csv
    python -m course merge written/points.csv --grades grades.csv   # manual_score, total, feedback
"""
