import io

import pytest
from django.core.management import CommandError, call_command

from moncompte.registry.demo_data import SHOWCASE, as_csv, generated
from moncompte.registry.importer import beneficiaries_import
from moncompte.registry.models import Beneficiary

pytestmark = pytest.mark.django_db

GOOD = (
    "nir,last_name,first_name,birth_date,postal_code\n"
    "2 84 05 88 321 025 32,DURAND,Camille,1984-05-03,88100\n"
    "284052A321025,SANTONI,Lucia,1984-05-21,20000\n"
)


def test_a_good_file_is_imported_R_REG1():
    report = beneficiaries_import(source=io.StringIO(GOOD))
    assert (report.created, report.errors) == (2, [])
    camille = Beneficiary.objects.get(nir="2840588321025")
    assert (camille.first_name, str(camille.birth_date), camille.postal_code) == (
        "Camille",
        "1984-05-03",
        "88100",
    )


def test_importing_the_same_file_again_changes_nothing_R_REG1():
    beneficiaries_import(source=io.StringIO(GOOD))
    again = beneficiaries_import(source=io.StringIO(GOOD))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Beneficiary.objects.count() == 2


def test_a_changed_row_updates_the_person_R_REG1():
    beneficiaries_import(source=io.StringIO(GOOD))
    report = beneficiaries_import(source=io.StringIO(GOOD.replace("88100", "88000")))
    assert report.updated == 1
    assert Beneficiary.objects.get(nir="2840588321025").postal_code == "88000"


def test_a_bad_file_imports_nothing_and_lists_every_bad_line_R_REG1():
    bad = GOOD + (
        "2840588321099,DUPONT,Jean,1984-05-03,75011\n"  # line 4: valid, yet not imported either
        "7840588321025,TEMP,Max,1984-05-03,75011\n"  # line 5: temporary NIR
        "1850575056048,MARTIN,Vincent,1985-13-12,75011\n"  # line 6: bad date
        "1850575056048,MARTIN,Vincent,1985-05-12,7501\n"  # line 7: bad postal code
        "2 84 05 88 321 025,DURAND,Camille,1984-05-03,88100\n"  # line 8: duplicate of line 2
        "2950113055012,BERNARD,Léa,1996-01-27,13001\n"  # line 9: year inconsistent
        "1850575056048,MARTIN\n"  # line 10: missing columns
    )
    report = beneficiaries_import(source=io.StringIO(bad))
    assert Beneficiary.objects.count() == 0
    lines = [line for line, _ in report.errors]
    assert lines == [5, 6, 7, 8, 9, 10]
    reasons = dict(report.errors)
    assert "provisoire" in reasons[5]
    assert "AAAA-MM-JJ" in reasons[6]
    assert "code postal" in reasons[7]
    assert "ligne 2" in reasons[8]
    assert "incohérent" in reasons[9]


def test_a_wrong_header_is_reported_on_line_1_R_REG1():
    report = beneficiaries_import(source=io.StringIO("nir;nom\n1;2\n"))
    assert report.errors[0][0] == 1
    assert "en-tête attendu" in report.errors[0][1]


def test_the_command_prints_every_bad_line_and_fails(tmp_path):
    path = tmp_path / "registre.csv"
    path.write_text(GOOD + "3840588321025,X,Y,1984-05-03,75011\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="rien n'a été importé"):
        call_command("import_beneficiaries", str(path), stderr=err)
    assert "ligne 4" in err.getvalue()
    assert Beneficiary.objects.count() == 0


def test_the_command_imports_a_good_file(tmp_path):
    path = tmp_path / "registre.csv"
    path.write_text(GOOD, encoding="utf-8")
    out = io.StringIO()
    call_command("import_beneficiaries", str(path), stdout=out)
    assert "2 créé(s)" in out.getvalue()


def test_demo_data_has_valid_keys_corsica_and_unknown_months():
    rows = SHOWCASE + generated(300)
    report = beneficiaries_import(source=as_csv(rows))
    assert report.errors == []
    assert report.created == len(rows)
    assert Beneficiary.objects.filter(nir__contains="2A").exists()
    assert Beneficiary.objects.filter(nir__contains="2B").exists()
    assert any(20 <= int(nir[3:5]) <= 99 for nir in Beneficiary.objects.values_list("nir", flat=True))


def test_an_import_that_stops_midway_leaves_nothing_for_the_next_one_R_REG1():
    def cut_after_first_person():
        lines = GOOD.splitlines(keepends=True)
        yield from lines[:2]
        raise OSError("le disque ne répond plus")

    with pytest.raises(OSError, match="le disque ne répond plus"):
        beneficiaries_import(source=cut_after_first_person())
    assert not Beneficiary.objects.exists()
    header, _, santoni = GOOD.splitlines(keepends=True)
    report = beneficiaries_import(source=io.StringIO(header + santoni))
    # Only this file's line is counted: none of the stopped import's staged lines is left to mix in.
    assert (report.created, report.updated, report.unchanged, report.errors) == (1, 0, 0, [])
    assert list(Beneficiary.objects.values_list("nir", flat=True)) == ["284052A321025"]


def imported_bytes(raw: bytes):
    from moncompte.registry.importer import decoded_lines

    bad: list[tuple[int, str]] = []
    return beneficiaries_import(source=decoded_lines(io.BytesIO(raw), bad), bad_lines=bad)


def test_empty_lines_are_not_people_R_REG1():
    header, camille, lucia = GOOD.splitlines(keepends=True)
    report = imported_bytes((header + "\n" + camille + "\r\n" + lucia + "\n\n").encode())
    assert (report.created, report.errors) == (2, [])


def test_an_unreadable_line_is_reported_once_with_its_reason_R_REG1():
    header, camille, lucia = GOOD.splitlines(keepends=True)
    report = imported_bytes(header.encode() + camille.replace("Camille", "Cécile").encode("latin-1") + lucia.encode())
    assert report.errors == [(2, "caractères hors UTF-8 (fichier en Latin-1 ?) : enregistrez le fichier en UTF-8")]
    assert not Beneficiary.objects.exists()


def test_a_file_whose_lines_end_with_cr_alone_is_refused_without_reading_it_whole_R_REG1():
    lines = [GOOD.splitlines()[0]] + [f"1840588{index:06d},PETIT,Jeanne,1984-05-03,88100" for index in range(500)]
    report = imported_bytes("\r".join(lines).encode())
    assert {line for line, _ in report.errors} == {1}  # the whole file is its first "line"
    assert any("fins de ligne CR seules" in reason for _, reason in report.errors)
    assert not Beneficiary.objects.exists()


@pytest.mark.parametrize("postal", ["7501²", "７５０１１", "75٠11"])
def test_a_postal_code_of_other_than_ascii_digits_is_refused_R_REG1_R_ID1(postal):
    report = beneficiaries_import(source=io.StringIO(GOOD.replace("88100", postal)))
    assert [line for line, _ in report.errors] == [2]
    assert f"postal_code : « {postal} »" in report.errors[0][1]
    assert not Beneficiary.objects.exists()


def test_a_nir_of_other_than_ascii_digits_is_refused_R_REG1_R_NIR2():
    report = beneficiaries_import(source=io.StringIO(GOOD.replace("2 84 05 88 321 025 32", "28405883210２5")))
    assert [line for line, _ in report.errors] == [2]
    assert not Beneficiary.objects.exists()


@pytest.mark.parametrize(
    ("encoding", "named"),
    [("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"), ("utf-16-be", "UTF-16"), ("utf-32", "UTF-32")],
)
def test_a_file_in_utf_16_or_32_is_refused_once_naming_its_encoding_and_what_to_do_R_REG1(encoding, named):
    report = imported_bytes(GOOD.encode(encoding))
    assert len(report.errors) == 1
    line, reason = report.errors[0]
    assert line == 1
    assert reason.startswith(f"le fichier est en {named}, pas en UTF-8 : ")
    assert "« CSV UTF-8 »" in reason
    assert not Beneficiary.objects.exists()


def test_generated_nirs_stay_valid_and_distinct_past_the_900_000th_person_R_NIR2():
    from datetime import date

    from moncompte.registry import nir as nir_rules
    from moncompte.registry.demo_data import generated_nir

    birth = date(1984, 5, 3)
    around = [*range(899_990, 900_010), *range(999_990, 1_000_010), 7_199_999]
    nirs = [generated_nir(index, sex=1, birth=birth) for index in around]
    assert len(set(nirs)) == len(nirs)
    for value in nirs:
        assert nir_rules.parse(value).value == value
    assert generated_nir(900_000, sex=1, birth=birth) != generated_nir(0, sex=1, birth=birth)


def test_the_first_900_000_generated_nirs_are_the_ones_they_always_were_R_NIR2():
    from datetime import date

    from moncompte.registry.demo_data import generated_nir

    birth = date(1984, 5, 3)
    assert generated_nir(0, sex=1, birth=birth) == "1840575100000"
    assert generated_nir(899_999, sex=2, birth=birth) == "2840575999999"
    assert generated_nir(900_000, sex=1, birth=birth) == "1840592100000"
