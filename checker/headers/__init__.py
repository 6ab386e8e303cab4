"""Parsers for response header values (and the meta tags that stand in for headers).

Each parser is pure and lenient: it never raises on hostile input and never judges. It says what
the value means to a browser (what it keeps, what it would ignore and why); the analyzers in
``checker.analyze`` decide whether that is good or bad.
"""
