"""A shop as Flask e-commerce tutorials write it: Customer, Product, Order and OrderLine (the
association object between Order and Product, with quantity and unit price), typed models in
one ``db = SQLAlchemy(app)`` file. Deleting an order takes its lines (``cascade="all,
delete-orphan"`` + ``ondelete="CASCADE"``); a product still on a live line cannot go
(``ondelete="RESTRICT"``); a customer with orders cannot go (``customer_id`` is NOT NULL).

Changes: ``Tombstone(app, db=db)`` after ``db``, ``SoftDeleteMixin`` on every model.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import Flask, jsonify
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, Numeric, String, inspect, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flask_tombstone import Blocked, PlanChanged, SoftDeleteMixin, Tombstone

from .conftest import App, Harness, Plain, check_like_hard, operations, raw, session_usable


def build(uri: str, soft: bool = True) -> App:
    Soft: type = SoftDeleteMixin if soft else Plain

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    db = SQLAlchemy(app)
    tombstone = Tombstone(app, db=db) if soft else None

    class Customer(Soft, db.Model):  # type: ignore[name-defined,misc]
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str] = mapped_column(String(120), unique=True)
        orders: Mapped[list[Order]] = relationship(back_populates="customer")

    class Product(Soft, db.Model):  # type: ignore[name-defined,misc]
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(80))
        price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
        lines: Mapped[list[OrderLine]] = relationship(back_populates="product")

    class Order(Soft, db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "orders"
        id: Mapped[int] = mapped_column(primary_key=True)
        customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
        customer: Mapped[Customer] = relationship(back_populates="orders")
        lines: Mapped[list[OrderLine]] = relationship(
            back_populates="order", cascade="all, delete-orphan"
        )

        @property
        def total(self) -> Decimal:
            return sum((line.quantity * line.unit_price for line in self.lines), Decimal(0))

    class OrderLine(Soft, db.Model):  # type: ignore[name-defined,misc]
        id: Mapped[int] = mapped_column(primary_key=True)
        order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
        product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="RESTRICT"))
        quantity: Mapped[int]
        unit_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
        order: Mapped[Order] = relationship(back_populates="lines")
        product: Mapped[Product] = relationship(back_populates="lines")

    @app.route("/orders/<int:order_id>", methods=["DELETE"])
    def cancel_order(order_id: int) -> object:
        order = db.get_or_404(Order, order_id)
        db.session.delete(order)
        db.session.commit()
        return jsonify(ok=True)

    @app.route("/products/<int:product_id>", methods=["DELETE"])
    def delete_product(product_id: int) -> object:
        product = db.get_or_404(Product, product_id)
        try:
            db.session.delete(product)
            db.session.commit()
        except Exception:
            db.session.rollback()
            return jsonify(error="product is on an order"), 409
        return jsonify(ok=True)

    return App(
        app,
        db,
        tombstone,
        {"Customer": Customer, "Product": Product, "Order": Order, "OrderLine": OrderLine},
    )


def seed(a: App) -> None:
    a.session.add_all(a.Customer(id=i, email=f"c{i}@shop.test") for i in (1, 2, 3))
    a.session.add_all(
        a.Product(id=i, name=n, price=Decimal(p))
        for i, n, p in (
            (1, "mug", "8.50"),
            (2, "tee", "20.00"),
            (3, "cap", "12.00"),
            (4, "pin", "2"),
        )
    )
    a.session.flush()
    lines = {1: [(1, 2), (2, 1)], 2: [(1, 1)], 3: [(3, 4), (2, 2)]}
    for oid, cid in ((1, 1), (2, 1), (3, 2)):
        a.session.add(a.Order(id=oid, customer_id=cid))
        a.session.flush()
        for n, (pid, qty) in enumerate(lines[oid]):
            price = a.session.get(a.Product, pid).price
            a.session.add(
                a.OrderLine(
                    id=oid * 10 + n, order_id=oid, product_id=pid, quantity=qty, unit_price=price
                )
            )


def test_cancelling_an_order_takes_its_lines(corpus: Harness) -> None:
    def act(a: App) -> None:
        assert a.app.test_client().delete("/orders/3").json == {"ok": True}
        assert a.app.test_client().delete("/orders/3").status_code == 404

    _soft, ops = check_like_hard(corpus, build, seed, act)
    assert [op.counts for op in ops] == [{"Order": 1, "OrderLine": 2}]


def test_a_product_on_live_lines_is_refused(corpus: Harness) -> None:
    def act(a: App) -> None:
        mug = a.session.get(a.Product, 1)
        a.session.delete(mug)
        a.session.commit()

    soft, ops = check_like_hard(corpus, build, seed, act)
    assert ops == []
    # the refused product is still there, attached and editable; the session works
    mug = soft.session.get(soft.Product, 1)
    assert mug is not None and inspect(mug).persistent and not mug.is_deleted
    assert [line.id for line in mug.lines] == [10, 20]
    session_usable(soft, mug, "name", "big mug")


def test_the_products_delete_view_reports_the_refusal(corpus: Harness) -> None:
    a = corpus.open(build)
    seed(a)
    a.session.commit()
    before = raw(a.db)
    response = a.app.test_client().delete("/products/2")
    assert response.status_code == 409
    assert raw(a.db) == before and operations(a) == []
    assert a.app.test_client().delete("/products/4").json == {"ok": True}
    assert a.session.get(a.Product, 4) is None


def test_a_product_whose_lines_are_gone_can_go(corpus: Harness) -> None:
    def act(a: App) -> None:
        client = a.app.test_client()
        assert client.delete("/orders/3").status_code == 200
        assert client.delete("/products/3").json == {"ok": True}
        assert client.delete("/products/2").status_code == 409  # order 1's line is live

    _soft, ops = check_like_hard(corpus, build, seed, act)
    assert [op.counts for op in ops] == [{"Order": 1, "OrderLine": 2}, {"Product": 1}]


def test_bulk_product_delete_with_a_live_line_is_refused(corpus: Harness) -> None:
    def act(a: App) -> None:
        a.Product.query.filter(a.Product.price < 10).delete()  # the mug (on lines), the pin
        a.session.commit()

    def hard(a: App) -> None:
        for product in a.Product.query.filter(a.Product.price < 10).all():
            a.session.delete(product)
        a.session.commit()

    check_like_hard(corpus, build, seed, act, hard)


def test_a_customer_with_orders_is_refused_one_without_goes(corpus: Harness) -> None:
    def refused(a: App) -> None:
        a.session.delete(a.session.get(a.Customer, 1))
        a.session.commit()

    check_like_hard(corpus, build, seed, refused)

    def act(a: App) -> None:
        a.session.delete(a.session.get(a.Customer, 3))
        a.session.commit()

    _soft, ops = check_like_hard(corpus, build, seed, act)
    assert [op.counts for op in ops] == [{"Customer": 1}]


def test_preview_then_delete_with_its_token(corpus: Harness) -> None:
    a = corpus.open(build)
    seed(a)
    a.session.commit()
    order = a.session.get(a.Order, 1)
    assert order.total == Decimal("37.00")
    plan = a.tombstone.preview(order)
    assert plan.counts == {"Order": 1, "OrderLine": 2} and not plan.blockers
    a.session.add(a.OrderLine(id=99, order_id=1, product_id=4, quantity=1, unit_price=2))
    a.session.commit()
    with pytest.raises(PlanChanged):
        a.tombstone.delete(order, expect=plan.token)
    a.session.rollback()
    assert a.session.get(a.OrderLine, 99) is not None
    plan = a.tombstone.preview(order)
    op = a.tombstone.delete(order, expect=plan.token)
    a.session.commit()
    assert op.counts == {"Order": 1, "OrderLine": 3}
    assert a.session.scalars(select(a.OrderLine).where(a.OrderLine.order_id == 1)).all() == []
    mug_plan = a.tombstone.preview(a.session.get(a.Product, 1))  # still on order 2's line
    assert [b.row.id for b in mug_plan.blockers] == [20]
    with pytest.raises(Blocked):
        a.tombstone.delete(a.session.get(a.Product, 1))
    a.session.rollback()
