import { registry } from "@web/core/registry";

// A technician opens the Support app, finds the support time of the demo shop and sees
// worked and billed hours side by side.
registry.category("web_tour.tours").add("it_support_time_support_time", {
    url: "/odoo",
    steps: () => [
        {
            content: "Open the apps menu",
            trigger: ".o_navbar_apps_menu button:enabled",
            run: "click",
        },
        {
            content: "Open the Support app",
            trigger: ".o_app[data-menu-xmlid='it_support_time.menu_support_root']",
            run: "click",
        },
        {
            content: "Open Operations",
            trigger: ".o_menu_sections button[data-menu-xmlid='it_support_time.menu_support_operations']",
            run: "click",
        },
        {
            content: "Open Support Time",
            trigger: ".dropdown-item[data-menu-xmlid='it_support_time.account_analytic_line_menu_support']",
            run: "click",
        },
        {
            content: "Remove the default 'this month' filter",
            trigger: ".o_searchview .o_facet_remove",
            run: "click",
        },
        {
            content: "The list shows the billed hours column",
            trigger: ".o_list_view th[data-name='billed_hours']",
        },
        {
            content: "A demo entry of the tour's customer is listed with its support type",
            trigger: ".o_data_row td[name='support_type_id']:contains('Remote Support')",
        },
        {
            content: "Its billed hours are shown next to the worked time",
            trigger:
                ".o_data_row:has(td[name='support_type_id']:contains('Remote Support')) td[name='billed_hours']:contains(':')",
        },
    ],
});
