"""``unique_live`` without a name, on two models, as the README writes it: each index is named
after its table (index names are one namespace per database, or per schema), so both tables
are created; a name longer than the databases take is cut, kept distinct by a digest."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from flask_tombstone.core import SoftDeleteMixin, unique_live

from .fresh_world import World, live, world_fixture  # noqa: F401  (the fixture)


def test_two_models_with_the_same_unique_live_columns_each_get_their_index(world: World) -> None:
    class Member(SoftDeleteMixin, world.Base):
        __tablename__ = "un_member"
        __table_args__ = (unique_live("email"),)
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str] = mapped_column(String(80))

    class Invitation(SoftDeleteMixin, world.Base):
        __tablename__ = "un_invitation_" + "x" * 40
        __table_args__ = (unique_live("email"),)
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str] = mapped_column(String(80))

    names = {
        index.name
        for model in (Member, Invitation)
        for index in model.__table__.indexes
        if index.unique
    }
    assert "uq_live_un_member_email" in names
    assert len(names) == 2 and all(len(str(name)) <= 63 for name in names)
    with world.create() as session:
        session.add_all([Member(id=1, email="a@x"), Invitation(id=1, email="a@x")])
        session.commit()
        world.ts.delete(Member, ids=[1], session=session)
        session.add(Member(id=2, email="a@x"))  # the trashed row's value is free again
        session.commit()
        assert live(session, Member) == [2]
