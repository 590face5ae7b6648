from . import support_type
from . import res_company
from . import res_partner
from . import res_config_settings
from . import project_project
from . import project_task
from . import account_analytic_line
