/* vmscope's GError domain; see error.h. */
#include "traces/error.h"

G_DEFINE_QUARK(vmscope-error-quark, vm_error)
