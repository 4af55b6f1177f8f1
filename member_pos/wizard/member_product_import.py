import base64
import io

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..models.product_category import MAX_CATEGORY_LEVELS

# column: (English header, Chinese header); the template has both rows' names
COLUMNS = {
    "name": ("Name", "名称"),
    "type": ("Type (goods/service)", "类型(商品/服务)"),
    "category": ("Category (Level 1 / Level 2 / Level 3)", "分类(一级/二级/三级)"),
    "barcode": ("Barcode", "条码"),
    "default_code": ("Internal Reference", "编号"),
    "list_price": ("Sales Price", "售价"),
    "standard_price": ("Cost", "成本价"),
    "stores": ("Stores (codes, empty: all)", "门店(编码, 空为全部)"),
}
TYPES = {"": "goods", "goods": "goods", "商品": "goods", "service": "service", "服务": "service"}


class MemberProductImport(models.TransientModel):
    """Import chain products from an xlsx file (商品导入). The whole file is
    checked first: if any row is bad, every bad row is reported and nothing
    is imported. A row whose barcode is a product's already updates that
    product; categories of the path are created as needed (three levels at
    most)."""

    _name = "member.product.import"
    _description = "Import Chain Products"

    file = fields.Binary(string="File (xlsx)")
    filename = fields.Char()
    template_file = fields.Binary(compute="_compute_template_file", string="Template")
    template_filename = fields.Char(default="chain_products_template.xlsx")

    def _compute_template_file(self):
        content = base64.b64encode(self._template_content())
        for wizard in self:
            wizard.template_file = content

    def action_import(self):
        self.ensure_one()
        if not self.env.user.has_group("member_base.group_member_head_office"):
            raise AccessError(self.env._("Only head office imports the chain's products."))
        if not self.file:
            raise UserError(self.env._("Choose the xlsx file to import."))
        rows = self._read_rows(base64.b64decode(self.file))
        products = self.sudo()._import_rows(rows)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Imported Products"),
            "res_model": "product.template",
            "view_mode": "list,form",
            "domain": [("id", "in", products.ids)],
        }

    # ------------------------------------------------------------------
    # Private
    # ------------------------------------------------------------------

    @api.model
    def _template_content(self):
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "Products"
        sheet.append([english for english, _chinese in COLUMNS.values()])
        sheet.append(
            ["龙井茶 250g", "goods", "茶饮 / 绿茶 / 龙井", "6901234567892", "LJ250", 88, 40, ""]
        )
        sheet.append(["足疗 60 分钟", "service", "服务 / 足疗", "", "ZL60", 168, 0, ""])
        stream = io.BytesIO()
        book.save(stream)
        return stream.getvalue()

    @api.model
    def _read_rows(self, content):
        """The file's rows as dicts of the columns (row number kept), the
        first row being the headers (English or Chinese)."""
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:  # noqa: BLE001 - any unreadable file
            raise UserError(self.env._("This is not an xlsx file (%s).", error)) from error
        sheet = book.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        headers = [str(h or "").strip() for h in next(lines, [])]
        names = {}
        for key, labels in COLUMNS.items():
            for index, header in enumerate(headers):
                if header in labels or header.lower() == labels[0].lower():
                    names[index] = key
        if "name" not in names.values():
            raise UserError(
                self.env._("The first row must hold the template's column names (Name, ...).")
            )
        rows = []
        for number, values in enumerate(lines, start=2):
            row = {
                key: values[index] if index < len(values) else None for index, key in names.items()
            }
            if all(value in (None, "") for value in row.values()):
                continue
            rows.append((number, row))
        if not rows:
            raise UserError(self.env._("The file has no product rows."))
        return rows

    def _import_rows(self, rows):
        """Check every row; import them all, or none with every error."""
        stores = {
            company.member_store_code: company
            for company in self.env["res.company"].search([("member_company_kind", "=", "store")])
            if company.member_store_code
        }
        errors, checked, barcodes = [], [], {}
        for number, row in rows:
            values, row_errors = self._check_row(row, stores)
            barcode = values.get("barcode")
            if barcode:
                if barcode in barcodes:
                    row_errors.append(
                        self.env._(
                            "barcode %(barcode)s is also on row %(row)s",
                            barcode=barcode,
                            row=barcodes[barcode],
                        )
                    )
                barcodes.setdefault(barcode, number)
            if row_errors:
                errors.append(
                    self.env._("Row %(row)s: %(errors)s", row=number, errors="; ".join(row_errors))
                )
            else:
                checked.append(values)
        if errors:
            raise UserError(
                self.env._("Nothing was imported; correct these rows and import the file again:")
                + "\n"
                + "\n".join(errors)
            )
        Template = self.env["product.template"]
        products = Template
        for values in checked:
            values["categ_id"] = self._category(values.pop("category_path")).id
            existing = values.get("barcode") and self.env["product.product"].search(
                [("barcode", "=", values["barcode"])], limit=1
            )
            if existing:
                existing.product_tmpl_id.write(values)
                products |= existing.product_tmpl_id
            else:
                products |= Template.create(values)
        return products

    def _check_row(self, row, stores):
        """The product values of a row, and what is wrong with it."""
        errors = []
        name = str(row.get("name") or "").strip()
        if not name:
            errors.append(self.env._("the name is missing"))
        kind = TYPES.get(str(row.get("type") or "").strip().lower())
        if kind is None:
            errors.append(self.env._("type %s is neither goods nor service", row.get("type")))
        path = [part.strip() for part in str(row.get("category") or "").split("/")]
        if not any(path):
            errors.append(self.env._("the category is missing"))
        elif not all(path):
            errors.append(self.env._("the category path has an empty level"))
        elif len(path) > MAX_CATEGORY_LEVELS:
            errors.append(
                self.env._(
                    "category %(path)s has %(levels)s levels, at most %(max)s are allowed",
                    path=" / ".join(path),
                    levels=len(path),
                    max=MAX_CATEGORY_LEVELS,
                )
            )
        prices = {}
        for key, label in (
            ("list_price", COLUMNS["list_price"][0]),
            ("standard_price", COLUMNS["standard_price"][0]),
        ):
            value = row.get(key)
            if value in (None, ""):
                prices[key] = 0.0
                continue
            try:
                prices[key] = float(str(value).strip())
            except ValueError:
                errors.append(
                    self.env._("%(column)s %(value)s is not a number", column=label, value=value)
                )
                continue
            if prices[key] < 0:
                errors.append(self.env._("%(column)s cannot be negative", column=label))
        barcode = row.get("barcode")
        if isinstance(barcode, float) and barcode.is_integer():
            barcode = int(barcode)
        barcode = str(barcode).strip() if barcode not in (None, "") else False
        codes = [
            code.strip() for code in str(row.get("stores") or "").replace("，", ",").split(",")
        ]
        unknown = [code for code in codes if code and code not in stores]
        if unknown:
            errors.append(self.env._("unknown store code %s", ", ".join(unknown)))
        values = {
            "name": name,
            "type": "service" if kind == "service" else "consu",
            "is_storable": kind != "service",
            "category_path": path,
            "barcode": barcode,
            "default_code": str(row.get("default_code") or "").strip() or False,
            "sale_ok": True,
            "available_in_pos": True,
            "company_id": False,
            "member_store_ids": [(6, 0, [stores[code].id for code in codes if code in stores])],
            **prices,
        }
        return values, errors

    def _category(self, path):
        """The category of ``path`` (top first), created level by level."""
        Category = self.env["product.category"]
        parent = Category
        for name in path:
            category = Category.search(
                [("name", "=", name), ("parent_id", "=", parent.id or False)], limit=1
            )
            parent = category or Category.create({"name": name, "parent_id": parent.id or False})
        return parent
