import pytest

# suite.py holds the assertions test_firefox.py and test_webkit.py share; show their values.
pytest.register_assert_rewrite("tests.conformance.suite")
