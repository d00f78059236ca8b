"""Demo step: each organization's product categories, models and spare parts."""

from __future__ import annotations

from decimal import Decimal

from aftersales.catalog.models import PartWarrantyOverride, ProductCategory, ProductModel, SparePart
from aftersales.demo.context import DemoContext
from aftersales.demo.data import ORGS


def step_catalog(ctx: DemoContext) -> None:
    n_models = n_parts = 0
    for spec in ORGS:
        org = ctx.orgs[spec["slug"]]
        ctx.models[spec["slug"]] = []
        for code, name, kind, whole, main, models, parts in spec["categories"]:
            category = ProductCategory.objects.create(
                organization=org,
                code=code,
                name=name,
                kind=kind,
                whole_unit_months=whole,
                main_parts_months=main,
            )
            created_models = []
            for model_number, model_name, price in models:
                brand = model_name.split(" ")[0] if " " in model_name else spec["name"].replace("家电", "")
                created_models.append(
                    ProductModel.objects.create(
                        organization=org,
                        category=category,
                        brand=brand,
                        model_number=model_number,
                        name=model_name,
                        list_price=Decimal(price),
                        whole_unit_months=whole,
                        main_parts_months=main,
                    )
                )
            ctx.models[spec["slug"]].extend(created_models)
            for i, (part_name, price, is_main) in enumerate(parts, start=1):
                part = SparePart.objects.create(
                    organization=org,
                    part_number=f"{spec['prefix'].upper()}-{code.upper()}-{i:03d}",
                    name=part_name,
                    price=Decimal(price),
                    is_main_part=is_main,
                )
                part.fits.set(created_models)
                n_parts += 1
                # Compressors and batteries often carry longer cover than the model's main parts.
                if part_name in ("压缩机", "动力电池包") and is_main:
                    for m in created_models:
                        PartWarrantyOverride.objects.create(
                            product_model=m, spare_part=part, months=120 if part_name == "压缩机" else 96
                        )
            n_models += len(created_models)
    ctx.report(f"{n_models} product models, {n_parts} spare parts")
