"""Names and places in their own scripts (Chinese, Japanese, Korean, Cyrillic, Greek, Arabic, Hebrew): found by the
lists of names and places, and the address shapes; everyday words in those scripts are left alone. No spaCy model."""

from __future__ import annotations

import pytest

from guardrails.native_scripts import NativeScriptNameRecognizer, NativeScriptPlaceRecognizer
from guardrails.recognizers import load_given_names, load_native_places, load_surnames
from tests.support import rule_spans as spans

GIVEN_NAMES = load_given_names()
SURNAMES = load_surnames()
NAMES = NativeScriptNameRecognizer(GIVEN_NAMES, SURNAMES)
PLACES = NativeScriptPlaceRecognizer(load_native_places(), GIVEN_NAMES | SURNAMES)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Zhang Wei (张伟) in Shenzhen needs the VPN client", ["张伟"]),  # a Chinese name on its own
        ("山田太郎さんのメールアドレスを変更してください", ["山田太郎"]),  # closed by an honorific
        ("please call 山田 太郎 back", ["山田 太郎"]),  # surname, a space, given name
        ("佐藤さんに連絡してください", ["佐藤"]),  # a surname alone before an honorific
        ("김민준 씨의 비밀번호를 재설정해 주세요", ["김민준"]),  # a particle and an honorific after it
        ("please add Иван Петров to the list", ["Иван Петров"]),
        ("Петренко Олена не може увійти", ["Петренко Олена"]),  # surname first, by its ending
        ("Γιώργος Παπαδόπουλος needs a badge", ["Γιώργος Παπαδόπουλος"]),
        ("محمد العلي لا يستطيع تسجيل الدخول", ["محمد العلي"]),  # an Arabic family name with its article
        ("the laptop is ready for คุณสุภาพร วงศ์ใหญ่ from Bangkok", ["สุภาพร วงศ์ใหญ่"]),  # the Thai title, then the name
        ("我叫王丽娟，快递地址是上海市徐汇区", ["王丽娟"]),  # an introduction in running Chinese
        ("お世話になっております。佐藤健太です。配送先を変更してください", ["佐藤健太"]),
        ("안녕하세요, 저는 김서연입니다", ["김서연"]),
        ("我是新来的，请问怎么申请", []),  # "I am new": no surname after the frame
        ("我今天很高兴，方便的话请回复", []),  # everyday words that start like surnames
        ("이번에 다시 정도를 확인해 주세요", []),  # Korean words that start with a surname syllable
        ("Новый пароль не работает", []),  # capitalised, but no name
    ],
)
def test_names_in_their_own_scripts(text: str, found: list[str]) -> None:
    assert spans(NAMES, text, "PERSON") == found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Moving from 横浜市港南区 to 香取市 next month", ["横浜市港南区", "香取市"]),  # listed, and by its suffix
        ("address 山口県立川市中宮祠32丁目4番19号 please", ["山口県立川市中宮祠32丁目4番19号"]),  # block numbers
        ("我住在北京市朝阳区建国路88号，请寄到这里", ["北京市朝阳区建国路88号"]),  # from the listed city on
        ("ship it to 서울특별시 강남구 테헤란로 152", ["서울특별시 강남구 테헤란로 152"]),
        ("부산에서 왔어요", ["부산"]),  # a listed city and its particle
        ("доставка: г. Москва, ул. Тверская, д. 7, кв. 12", ["г. Москва, ул. Тверская, д. 7, кв. 12"]),
        ("Иван из Казани не может войти", ["Казани"]),  # a case of Казань
        ("he lives in Αθήνα now", ["Αθήνα"]),
        ("وصلت الشحنة إلى القاهرة أمس", ["القاهرة"]),
        ("the 城市 planning team meets on Monday", []),  # a generic word with an administrative character
        ("我今天很高兴，方便的话请回复", []),
    ],
)
def test_places_in_their_own_scripts(text: str, found: list[str]) -> None:
    assert spans(PLACES, text, "LOCATION") == found
