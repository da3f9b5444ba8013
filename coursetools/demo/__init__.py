"""The demo: submissions made from the release (complete, blank, buggy), the bugs planted in them, and
the instructor's whole job run on them (`python -m coursetools demo`). It may import everything of
coursetools; nothing but __main__ and the tests imports it.
"""
