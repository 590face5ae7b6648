from . import test_rounding
from . import test_support_type
from . import test_demo
from . import test_ui
from . import test_invoice_wizard
from . import test_expense_invoicing
from . import test_invoice_report
