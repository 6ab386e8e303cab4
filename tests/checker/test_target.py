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


# A host made of valid labels that is still far over DNS's 253 characters: 735 in all.
LONG_HOST = ".".join(["a" * 63] * 11 + ["b" * 27, "com"])


def test_a_host_over_253_characters_is_refused_with_its_length_and_253_is_accepted() -> None:
    assert len(LONG_HOST) == 735
    for raw in (LONG_HOST, f"https://{LONG_HOST}/", f"http://{LONG_HOST}:8080/x"):
        with pytest.raises(TargetError) as caught:
            parse_target(raw)
        assert caught.value.message == (
            "That host name has 735 characters; DNS names are at most 253 characters long."
        )
    longest = ".".join(["a" * 63] * 3 + ["b" * 57, "com"])
    assert len(longest) == 253
    assert parse_target(longest).host == longest


def test_a_url_that_percent_encodes_past_2048_characters_is_refused_and_2048_accepted() -> None:
    raw = "example.com/" + "ü" * 400  # 412 characters typed, 2 420 once percent-encoded
    with pytest.raises(TargetError) as caught:
        parse_target(raw)
    assert caught.value.message == (
        "That address is too long: written out as a request URL (non-ASCII characters "
        "percent-encoded) it has 2420 characters, and the limit is 2048."
    )
    prefix = "https://example.com/"
    assert len(parse_target(prefix + "x" * (2048 - len(prefix))).url) == 2048


def test_an_origin_with_a_host_over_253_characters_is_refused() -> None:
    with pytest.raises(TargetError, match="at most 253 characters"):
        parse_origin(f"https://{LONG_HOST}")


@pytest.mark.parametrize(
    ("raw", "spec"),
    [
        ("example.com", "example.com/"),
        ("  Example.COM  ", "example.com/"),
        ("https://example.com", "https://example.com/"),
        ("http://example.com:8080", "http://example.com:8080/"),
        ("bücher.example/ü?q=1", "xn--bcher-kva.example/%C3%BC?q=1"),
        ("example.com:8443/path", "example.com:8443/path"),
        ("127.0.0.1:8000/x", "127.0.0.1:8000/x"),
        ("[2001:db8::1]:8000/x", "[2001:db8::1]:8000/x"),
        ("http://[2001:db8::1]/x", "http://[2001:db8::1]/x"),
    ],
)
def test_the_spec_keeps_whether_a_scheme_was_typed_and_reads_back_to_the_same_target(
    raw: str, spec: str
) -> None:
    target = parse_target(raw)
    assert target.spec == spec
    again = parse_target(target.spec)
    assert again.url == target.url
    assert again.explicit_scheme is target.explicit_scheme
    assert again.spec == spec
