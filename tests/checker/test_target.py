import pytest

from checker.target import TargetError, parse_origin, parse_target

ACCEPTED = [
    ("example.com", "https://example.com/", False),
    ("  Example.COM  ", "https://example.com/", False),
    ("https://api.example.com/v1/users?x=1", "https://api.example.com/v1/users?x=1", True),
    ("http://example.com:8080", "http://example.com:8080/", True),
    ("bücher.example", "https://xn--bcher-kva.example/", False),
    ("https://example.com:443/#frag", "https://example.com/", True),
    ("example.com:8443/path", "https://example.com:8443/path", False),
    ("http://[2001:db8::1]:8000/x", "http://[2001:db8::1]:8000/x", True),
    ("127.1", "https://127.0.0.1/", False),  # the resolver's reading of a legacy spelling
    ("http://2130706433/", "http://127.0.0.1/", True),
    ("http://0x7f.0.0.1/", "http://127.0.0.1/", True),
]


@pytest.mark.parametrize(("raw", "url", "explicit"), ACCEPTED)
def test_it_normalises_accepted_input(raw: str, url: str, explicit: bool) -> None:
    target = parse_target(raw)
    assert target.url == url
    assert target.explicit_scheme is explicit


REJECTED = [
    ("", "Enter a domain"),
    ("   ", "Enter a domain"),
    ("exa mple.com", "spaces"),
    ("javascript:alert(1)", "Only http and https"),
    ("JavaScript:alert(1)", "Only http and https"),
    ("data:text/html,hi", "Only http and https"),
    ("ftp://example.com", "Only http and https"),
    ("x" * 3000 + ".com", "too long"),
    ("/just/a/path", "path without a host"),
    ("https://", "has no host"),
    ("http://user:secret@example.com", "user name or password"),
    ("https://-bad.example", "not a valid host name"),
    ("https://a..b.example", "not a valid host name"),
    ("1.2.3.4.5", "not a valid host name or IP"),
    ("localhost", "not a full domain name"),
    ("http://example.com:99999", "port"),
    ("exam\x00ple.com", "control characters"),
]


@pytest.mark.parametrize(("raw", "message"), REJECTED)
def test_it_rejects_bad_input_with_a_clear_message(raw: str, message: str) -> None:
    with pytest.raises(TargetError) as caught:
        parse_target(raw)
    assert message in caught.value.message


def test_it_serialises_origins() -> None:
    assert parse_origin("https://App.Example:443") == "https://app.example"
    assert parse_origin("http://app.example:8080/") == "http://app.example:8080"
    assert parse_origin("null") == "null"


@pytest.mark.parametrize("raw", ["app.example", "https://app.example/path", "ftp://x.example"])
def test_it_rejects_origins_that_are_not_origins(raw: str) -> None:
    with pytest.raises(TargetError):
        parse_origin(raw)
