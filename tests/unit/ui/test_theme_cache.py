"""ui.theme_cache: the kept theme sections are Streamlit's own, until the config is read again."""

from __future__ import annotations

import pytest
from streamlit import config
from streamlit.proto.NewSession_pb2 import CustomThemeConfig, NewSession
from streamlit.runtime import app_session

from ui import theme_cache

SECTIONS = (
    "theme",
    "theme.light",
    "theme.dark",
    "theme.sidebar",
    "theme.light.sidebar",
    "theme.dark.sidebar",
)


@pytest.fixture
def set_theme_option(monkeypatch):
    """Set a config option for one test; the cache empty before and after."""
    config.get_config_options()
    monkeypatch.setattr(app_session, "_populate_theme_msg", app_session._populate_theme_msg)
    changed = []

    def set_option(key: str, value: str) -> None:
        option = config._config_options[key]
        changed.append((option, option.value, option.where_defined))
        config.set_option(key, value)

    theme_cache.forget_theme_messages()
    yield set_option
    for option, value, where in reversed(changed):
        option.set_value(value, where)
    theme_cache.forget_theme_messages()


@pytest.fixture
def themed(set_theme_option):
    """A theme with options set in two sections."""
    set_theme_option("theme.primaryColor", "#0072B2")
    set_theme_option("theme.sidebar.textColor", "#141414")
    return set_theme_option


def streamlits_own(section: str) -> CustomThemeConfig:
    message = CustomThemeConfig()
    theme_cache._populate_theme_message(message, section)
    return message


def new_session_theme(populate) -> NewSession:
    """The theme of a new-session message, its six sections filled in Streamlit's order."""
    message = NewSession()
    theme = message.custom_theme
    targets = (theme, theme.light, theme.dark, theme.sidebar, theme.light.sidebar)
    for target, section in zip((*targets, theme.dark.sidebar), SECTIONS, strict=True):
        populate(target, section)
    return message


def presence(message: NewSession) -> dict[str, bool]:
    theme = message.custom_theme
    return {
        "theme": message.HasField("custom_theme"),
        **{name: theme.HasField(name) for name in ("light", "dark", "sidebar")},
        "light.sidebar": theme.light.HasField("sidebar"),
        "dark.sidebar": theme.dark.HasField("sidebar"),
    }


@pytest.mark.parametrize("section", SECTIONS)
def test_each_section_is_what_streamlit_builds(themed, section):
    message = CustomThemeConfig()
    theme_cache.populate_theme_message(message, section)
    assert message == streamlits_own(section)
    assert message.primary_color == ("#0072B2" if section == "theme" else "")


@pytest.mark.parametrize("options", ["two sections", "none"])
def test_the_whole_theme_is_what_streamlit_sends_and_unset_sections_stay_unset(
    set_theme_option, options
):
    if options == "none":
        for key, option in config._config_options.items():
            if option.section.startswith("theme") and option.value is not None:
                set_theme_option(key, None)
    else:
        set_theme_option("theme.primaryColor", "#0072B2")
        set_theme_option("theme.sidebar.textColor", "#141414")
    for _ in range(2):  # built, then from the kept copies
        ours = new_session_theme(theme_cache.populate_theme_message)
        theirs = new_session_theme(theme_cache._populate_theme_message)
        assert ours.SerializeToString(deterministic=True) == theirs.SerializeToString(
            deterministic=True
        )
        assert presence(ours) == presence(theirs)
    expected = {"theme": True, "sidebar": True} if options == "two sections" else {}
    assert {name for name, present in presence(ours).items() if present} == set(expected)


def test_a_section_is_built_once(themed, monkeypatch):
    built = []
    original = theme_cache._populate_theme_message

    def counting(message, section="theme"):
        built.append(section)
        original(message, section)

    monkeypatch.setattr(theme_cache, "_populate_theme_message", counting)
    for _ in range(3):
        theme_cache.populate_theme_message(CustomThemeConfig(), "theme.sidebar")
        theme_cache.populate_theme_message(CustomThemeConfig())
    assert built == ["theme.sidebar", "theme"]


def test_reading_the_configuration_again_forgets_the_kept_sections(themed):
    theme_cache.install()
    assert app_session._populate_theme_msg is theme_cache.populate_theme_message
    before = CustomThemeConfig()
    app_session._populate_theme_msg(before)
    themed("theme.primaryColor", "#D55E00")
    kept = CustomThemeConfig()
    app_session._populate_theme_msg(kept)
    assert kept == before
    config._on_config_parsed.send()
    fresh = CustomThemeConfig()
    app_session._populate_theme_msg(fresh)
    assert fresh.primary_color == "#D55E00"


def test_install_twice_watches_the_configuration_once(monkeypatch):
    watched = []
    monkeypatch.setattr(app_session, "_populate_theme_msg", app_session._populate_theme_msg)
    monkeypatch.setattr(config, "on_config_parsed", lambda func, **_: watched.append(func))
    theme_cache.install()
    theme_cache.install()
    assert watched == [theme_cache.forget_theme_messages]
