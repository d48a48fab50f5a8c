"""Course tooling: build the notebooks, make the student release, grade a class.

Command line::

    python -m course build                      # notebooks/src/*.py -> notebooks/*.ipynb
    python -m course release --out DIR          # student versions of every notebook
    python -m course collect LMS_DOWNLOAD --out SUBMISSIONS   # LMS zip -> <student>/<nb>.ipynb
    python -m course grade SUBMISSIONS --out grades.csv       # + grades.log, feedback/
"""
