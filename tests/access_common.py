from odoo import Command
from odoo.tests import new_test_user

from .common_block import BlockCommon
from .mileage_common import MileageCommon


class AccessCommon(BlockCommon, MileageCommon):
    """One record of each model of the module in company A, and the five kinds of users
    the access design knows: a Support User and a Support Manager of company A, a portal
    user of the block's customer, a portal user of another customer, and a Support
    Manager (with the Billing right) of company B only.

    The customer belongs to company A; ``customer_b`` is shared (no company)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company_a, company_b = cls.company, cls.other_company
        (cls.customer | cls.customer_contact).company_id = company_a
        cls.customer.write({"support_round_override": True, "support_round_increment": 10})
        cls.contact_b = cls.env["res.partner"].create(
            {"name": "Bob Other", "parent_id": cls.customer_b.id}
        )
        cls.portal_own = new_test_user(
            cls.env,
            login="portal_own",
            groups="base.group_portal",
            partner_id=cls.customer_contact.id,
        )
        cls.portal_other = new_test_user(
            cls.env, login="portal_other", groups="base.group_portal", partner_id=cls.contact_b.id
        )
        cls.other_company_user = new_test_user(
            cls.env,
            login="other_company",
            groups="base.group_user,it_support_time.group_support_manager,"
            "account.group_account_invoice",
            name="Otto Othercompany",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        cls.env["hr.employee"].create(
            {
                "name": "Otto Othercompany",
                "user_id": cls.other_company_user.id,
                "company_id": company_b.id,
            }
        )
        cls.users = {
            "user": cls.support_user,
            "manager": cls.support_manager,
            "portal_own": cls.portal_own,
            "portal_other": cls.portal_other,
            "other_company": cls.other_company_user,
        }
        # an hourly cost no other number in the pages looks like
        cls.employee_user.hourly_cost = 37.13
        cls.type_company = cls.env["support.type"].create(
            {
                "name": "Company A Remote",
                "kind": "remote",
                "hourly_rate": 120.0,
                "company_id": company_a.id,
            }
        )
        cls.block = cls._create_block(hours=10, po="PO-ACL-1")
        cls.draft_block = cls._create_block(hours=5, po="PO-ACL-DRAFT", activate=False)
        Line = cls.env["account.analytic.line"]
        cls.entry_own = Line.with_user(cls.support_user).create(
            {
                "name": "Rebooted the NAS",
                "project_id": cls.project.id,
                "task_id": cls.block.task_id.id,
                "support_type_id": cls.type_phone.id,
                "unit_amount": 2.5,
            }
        )
        cls.entry_manager = Line.with_user(cls.support_manager).create(
            {
                "name": "Manager's own meeting",
                "project_id": cls.project.id,
                "task_id": cls.task.id,
                "support_type_id": cls.type_meeting.id,
                "unit_amount": 1.0,
            }
        )
        Trip = cls.env["support.trip"]
        trip_values = {
            "date": "2025-03-10",
            "vehicle_id": cls.van_km.id,
            "task_id": cls.task.id,
            "purpose": "On-site visit",
            "distance": 12.0,
        }
        cls.trip_own = Trip.with_user(cls.support_user).create(trip_values)
        cls.trip_manager = Trip.with_user(cls.support_manager).create(trip_values)
        product = cls.env["product.product"].create(
            {
                "name": "Parking",
                "type": "service",
                "can_be_expensed": True,
                "standard_price": 0.0,
                "expense_policy": "cost",
            }
        )
        cls.expense_product = product
        cls.expense_own = (
            cls.env["hr.expense"]
            .with_user(cls.support_user)
            .create(
                {
                    "name": "Parking at the customer",
                    "product_id": product.id,
                    "total_amount_currency": 8.0,
                    "employee_id": cls.employee_user.id,
                    "support_task_id": cls.task.id,
                }
            )
        )
        cls.renew_wizard = (
            cls.env["support.block.renew.wizard"]
            .with_user(cls.support_manager)
            .create({"block_id": cls.block.id, "po_number": "PO-ACL-2"})
        )
        cls.plan_company = (
            cls.env["support.milestone.plan"]
            .with_user(cls.support_manager)
            .create(
                {
                    "name": "Company A halves",
                    "company_id": company_a.id,
                    "line_ids": [
                        Command.create({"name": "Start", "percent": 50.0}),
                        Command.create({"name": "Rest", "percent": 50.0, "trigger": "close"}),
                    ],
                }
            )
        )
        cls.invoice_wizard = (
            cls.env["support.invoice.wizard"]
            .with_user(cls.support_manager)
            .create({"date_from": "2025-03-01", "date_to": "2025-03-31"})
        )
        cls.import_wizard = (
            cls.env["support.time.import.wizard"]
            .with_user(cls.support_manager)
            .create({"date_order": "dmy"})
        )
        cls.import_line = (
            cls.env["support.time.import.line"]
            .with_user(cls.support_manager)
            .create(
                {
                    "wizard_id": cls.import_wizard.id,
                    "row": 2,
                    "status": "new",
                    "unit_amount": 1.5,
                }
            )
        )
