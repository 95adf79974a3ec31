from pathlib import Path

import pytest

from review.errors import ConfigError
from review.settings import load_settings, setting_docs

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


@pytest.mark.parametrize("name", [n for n, _, _ in setting_docs()])
def test_every_setting_is_documented_in_readme(name):
    assert f"CALLREVIEW_{name.upper()}" in README


def test_environment_and_overrides():
    s = load_settings({"CALLREVIEW_WHISPER_THREADS": "3", "CALLREVIEW_REDACT": "no"}, llm_engine="openai")
    assert s.whisper_threads == 3 and s.redact is False and s.llm_engine == "openai"


def test_openai_key_fallback_and_redacted_view():
    s = load_settings({"OPENAI_API_KEY": "sk-secret"})
    assert s.llm_api_key == "sk-secret"
    assert "sk-secret" not in repr(s.redacted())


def test_bad_value_is_one_line_config_error():
    with pytest.raises(ConfigError) as err:
        load_settings({"CALLREVIEW_WHISPER_BEAM_SIZE": "five"})
    assert "CALLREVIEW_WHISPER_BEAM_SIZE" in str(err.value) and "\n" not in str(err.value)


def test_key_is_not_in_repr():
    s = load_settings({"CALLREVIEW_LLM_API_KEY": "sk-hidden"})
    assert "sk-hidden" not in repr(s)


def test_saved_settings_file_is_read_and_env_wins(tmp_path):
    from review.settings import save_settings

    env = {"CALLREVIEW_HOME": str(tmp_path)}
    save_settings({"llm_engine": "openai", "llm_api_key": "sk-saved", "whisper_beam_size": 2}, env=env)
    s = load_settings(env)
    assert (s.llm_engine, s.llm_api_key, s.whisper_beam_size) == ("openai", "sk-saved", 2)
    save_settings({"llm_api_key": ""}, env=env)  # blank keeps the saved key
    assert load_settings(env).llm_api_key == "sk-saved"
    assert load_settings({**env, "CALLREVIEW_LLM_ENGINE": "rules"}).llm_engine == "rules"
    assert (tmp_path / "settings.json").stat().st_mode & 0o077 == 0


def test_save_rejects_bad_values_and_writes_nothing(tmp_path):
    from review.settings import save_settings

    env = {"CALLREVIEW_HOME": str(tmp_path)}
    with pytest.raises(ConfigError):
        save_settings({"whisper_beam_size": "many"}, env=env)
    with pytest.raises(ConfigError):
        save_settings({"no_such_setting": 1}, env=env)
    assert not (tmp_path / "settings.json").exists()


def test_corrupt_settings_file_is_a_clear_error(tmp_path):
    (tmp_path / "settings.json").write_text("{not json")
    with pytest.raises(ConfigError, match="settings.json"):
        load_settings({"CALLREVIEW_HOME": str(tmp_path)})


def test_a_saved_key_is_never_sent_to_a_new_endpoint_unasked(tmp_path):
    import json

    from review.errors import ConfigError
    from review.settings import save_settings

    env = {"CALLREVIEW_HOME": str(tmp_path)}
    save_settings({"llm_base_url": "https://api.openai.com/v1", "llm_api_key": "sk-first"}, env=env)
    with pytest.raises(ConfigError, match="the saved API key belongs to https://api.openai.com/v1; to use "
                       "http://evil.example/v1 paste its key too"):
        save_settings({"llm_base_url": "http://evil.example/v1", "llm_api_key": ""}, env=env)
    saved = json.loads((tmp_path / "settings.json").read_text())
    assert saved["llm_base_url"] == "https://api.openai.com/v1"  # nothing changed
    save_settings({"llm_base_url": "http://localhost:11434/v1", "llm_api_key": "ollama-key"}, env=env)
    save_settings({"llm_base_url": "http://localhost:11434/v1/", "llm_model": "qwen"}, env=env)  # same URL
