"""Helpers of the exercise collection on task-driven models of the brain.

One module per model (``rnn``, ``bptt``, ``ring``, ...), plus ``plotting`` (figures),
``checks`` (the exercises' visible checks), ``validation`` (input checks) and ``course``
(student release and grading).
"""
__version__ = "0.1.0"
