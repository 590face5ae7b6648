/**
 * Steps the support tours share: from the home screen, open the Support app and one of
 * its menus, as a user would.
 *
 * @param {string} section xmlid (without the module) of the top menu, e.g. "menu_support_operations"
 * @param {string} sectionLabel its label, for the step's description
 * @param {string} item xmlid (without the module) of the menu item in that section
 * @param {string} itemLabel its label
 */
export function openSupportMenu(section, sectionLabel, item, itemLabel) {
    return [
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
            content: `Open ${sectionLabel}`,
            trigger: `.o_menu_sections button[data-menu-xmlid='it_support_time.${section}']`,
            run: "click",
        },
        {
            content: `Open ${itemLabel}`,
            trigger: `.dropdown-item[data-menu-xmlid='it_support_time.${item}']`,
            run: "click",
        },
    ];
}
