#include "dev.h"
