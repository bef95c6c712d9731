from tests.contracts import check_generator_contract
from tests.fakes import FakeGenerator


async def test_fake_generator_honours_the_contract() -> None:
    await check_generator_contract(FakeGenerator("one two three four five six seven eight nine ten"))
