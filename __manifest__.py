{
    "name": "IT Support Time",
    "summary": "Support sessions, prepaid hour blocks, quick timer, mileage and "
    "branded invoicing for IT-support shops",
    "version": "18.0.1.0.0",
    "category": "Services/Timesheets",
    "website": "https://github.com/it-support-time/it_support_time",
    "author": "IT Support Time contributors",
    "license": "LGPL-3",
    "depends": [
        "hr_timesheet",
        "sale_timesheet",
        "hr_expense",
        "fleet",
        "account",
        "portal",
    ],
    "data": [
        "security/it_support_time_groups.xml",
        "security/ir.model.access.csv",
        "security/it_support_time_security.xml",
        "views/it_support_time_menus.xml",
        "data/support_type_data.xml",
        "views/support_type_views.xml",
        "views/account_analytic_line_views.xml",
        "views/project_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "data/quick_timer_cron.xml",
        "views/quick_timer_views.xml",
    ],
    "demo": [
        "demo/it_support_time_demo.xml",
        "demo/quick_timer_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "it_support_time/static/src/quick_timer/**/*",
        ],
        "web.assets_tests": [
            "it_support_time/static/tests/tours/**/*",
        ],
    },
    "application": True,
    "installable": True,
}
