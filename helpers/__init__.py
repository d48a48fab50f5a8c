"""Helpers of the exercise collection on task-driven models of the brain.

One module per model (``rnn``, ``bptt``, ``ring``, ...), plus ``plotting`` (figures),
``checks`` (the exercises' visible checks) and ``validation`` (input checks). This package is
what students install; the instructor's tooling (release, grading) is the separate top-level
package ``course`` and is never imported from here.
"""
__version__ = "0.1.0"
