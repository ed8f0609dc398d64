import json

from tnt_desktop.config import Preferences, load_preferences, save_preferences


def test_round_trip_and_defaults(tmp_path):
    path = tmp_path / "p.json"
    assert load_preferences(path) == Preferences()
    prefs = Preferences(last_database="/x/tnt.db", user_languages={"carol": "zh"})
    save_preferences(prefs, path)
    assert load_preferences(path) == prefs
    assert load_preferences(path).language_for("carol") == "zh"


def test_corrupt_file_is_set_aside_and_defaults_used(tmp_path):
    path = tmp_path / "p.json"
    path.write_text("{not json")
    assert load_preferences(path) == Preferences()
    assert (tmp_path / "p.corrupt.json").exists()


def test_unknown_and_mistyped_keys_are_ignored(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"last_user": 5, "language": "zh", "colour": "red"}))
    prefs = load_preferences(path)
    assert prefs.language == "zh" and prefs.last_user == ""
